"""Photo files: finding them in a folder or zip, and decoding them into one safe RGB form."""
