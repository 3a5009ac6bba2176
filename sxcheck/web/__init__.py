"""`sxcheck serve`: the web service on the same pipeline and store as the CLI.

Cities upload a submission and read their pre-check; auditors and reviewers read
every region's trail and record decisions. The modules: `settings` (where things
live, limits), `passwords` (argon2), `security` (headers, CSRF, login throttle),
`auth` (who is asking, what they may see), `render` (templates, error pages),
`uploads` (limits, content-addressed storage), `worker` (checks off the request
path, the queue in the store), `views/*` (the pages), `app` (the ASGI app),
`commands` (the `serve` and `users` commands). Nothing here is imported by a
pipeline stage: the web app stays as thin as the CLI.
"""
