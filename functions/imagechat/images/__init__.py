"""Cloud Storage for images: temp uploads, session inputs, outputs and thumbnails,
download-token URLs, and Pillow validation. Only this package talks to Storage."""
