"""Live updates: the dashboard's WebSocket connections and the fan-out of domain events to them (ADR 0018)."""
