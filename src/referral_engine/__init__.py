"""referral-engine: an event-sourced referral workflow engine for National Referral Mechanisms."""

__version__ = "0.1.0"
