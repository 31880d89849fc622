"""Unknown codes: scans of barcodes the phone did not know, kept until a manager handles them."""
