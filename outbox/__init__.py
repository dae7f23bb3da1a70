"""What must reach the workers although Redis, a worker or a connection fails: the transactional
outbox of after-commit work, and the periodic jobs' record of their last success (ADR 22)."""
