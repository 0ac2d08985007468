"""The background worker (`geo-registry worker`): one long-running process that does all the work outside
requests. Its jobs are listed in jobs.py; runner.py runs them, shares the exclusive ones among every worker process
through leases in the database, and stops after the current job on SIGTERM. It sits above web/: it composes the
yearly e-mail in the beheerder's language through the app, as a request would."""
