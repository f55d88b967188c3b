"""Notes on contacts, with @mentions of workspace members."""
