"""Scale-out: the service's background work as Celery tasks over a Redis broker.

With `SVETOFOR_BROKER_URL` set, `svetofor serve` only serves; `svetofor worker` runs these
tasks (any number, on any machines that reach PostgreSQL and Redis) and `svetofor beat`
schedules the periodic ones. Without a broker nothing here runs: `svetofor serve` does the
same work in its own threads (`api.background`). docs/scale-out.md has the picture."""
