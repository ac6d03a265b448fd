"""The web app for reviewers (the manual queue) and institution admins (held records, interception,
progress): FastAPI with server-rendered Jinja2 pages and a little plain JavaScript for shortcuts."""
