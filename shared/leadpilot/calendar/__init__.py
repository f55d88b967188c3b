"""Calendar and booking: event types, availability, slots, public booking pages and appointments."""
