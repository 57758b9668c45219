"""Plain-Python helpers of sicantik_base: nothing here imports the ORM, so the
sandboxes, the command-line tools and the tests can use them without a registry."""
