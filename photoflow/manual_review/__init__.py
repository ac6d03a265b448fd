"""Stage 2, the manual queue: photos that passed stage 1 wait here for a reviewer's decision.

`queue` hands photos to reviewers under expiring leases, `decisions` applies a reviewer's approval
or rejection through the state machine, `items` assembles what a reviewer looks at.
"""
