-- The language of a tenant's pages when neither the request's ui_locales nor
-- the browser's Accept-Language names a supported one (i18n::negotiate).
ALTER TABLE tenants ADD COLUMN default_locale TEXT NOT NULL DEFAULT 'en';
