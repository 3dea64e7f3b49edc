"""Event contracts: what crosses the wire between Purna and anyone who subscribes."""
