"""Edit facts: what one parent/current revision pair says, computed once and shared by every model."""
