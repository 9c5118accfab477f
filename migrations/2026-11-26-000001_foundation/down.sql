DROP TABLE audit_events;
DROP TABLE clients;
DROP TABLE user_roles;
DROP TABLE role_permissions;
DROP TABLE roles;
DROP TABLE scopes;
DROP TABLE users;
DROP TABLE tenants;
