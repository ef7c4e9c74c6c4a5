"""Tickets: model, numbering, routing, SLA and the notifications outbox."""
