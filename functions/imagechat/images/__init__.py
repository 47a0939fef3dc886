"""Cloud Storage for images. Only this package talks to Storage.

storage (the bucket), urls (download-token URLs and which objects a reference names),
validation (what a file is), conversion (PNG, thumbnails), inputs (a message's images),
outputs (the model's images), temp_uploads, cleanup (deletions)."""
