"""Veterans' service station (退役军人服务站)."""
