-- A tenant's look on its pages (crate::branding): one JSON object, its
-- images named by their SHA-256; '{}' is no branding.
ALTER TABLE tenants ADD COLUMN branding TEXT NOT NULL DEFAULT '{}';

-- The bytes of tenants' logos and favicons, by content hash (base64 text:
-- one portable type on both databases). Read only when an image is served.
CREATE TABLE tenant_images (
    tenant_id    TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    sha256       TEXT NOT NULL,
    content_type TEXT NOT NULL,
    data         TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, sha256)
);

-- RFC 7591 §2 client metadata the consent page shows.
ALTER TABLE clients ADD COLUMN client_uri TEXT;
ALTER TABLE clients ADD COLUMN logo_uri TEXT;
ALTER TABLE clients ADD COLUMN policy_uri TEXT;
ALTER TABLE clients ADD COLUMN tos_uri TEXT;
