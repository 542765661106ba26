"""Signed webhooks (docs/webhooks.md): subscriptions and deliveries in PostgreSQL (store.py), the
outbox fed by the event log (outbox.py), the signed HTTP deliveries (delivery.py) and the worker
that runs both (worker.py)."""
