"""Call recording per queue: files on the data partition within a quota and a retention."""
