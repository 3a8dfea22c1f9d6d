-- pathbot schema, version 7, for PostgreSQL: as migrations/0007_discord_identify.sql.
CREATE TABLE discord_identify (
    name TEXT PRIMARY KEY,
    at DOUBLE PRECISION NOT NULL,
    streak INTEGER NOT NULL DEFAULT 0
);
