"""Domain events: their envelope, publishing to EventBridge, and the transactional outbox."""
