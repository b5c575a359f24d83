"""policytrack: follow EU legislation on fair electronics supply chains."""

__version__ = "0.1.0"
