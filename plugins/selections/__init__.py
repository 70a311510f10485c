"""'Most beautiful' selections (最美系列评选): nomination, committee vote, posting, award."""
