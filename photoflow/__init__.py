"""photoflow: graduation-photo collection for universities, from roster to registry and print."""
