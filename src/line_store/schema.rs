//! The line store's schema, in numbered migrations applied in order by `shopfloor line-store
//! init` (each in its own transaction, under an advisory lock so two inits cannot interleave).
//! A station checks the version on connect and refuses a store older or newer than it knows.
//!
//! Tables live in the `shopfloor` schema. Stations log in with roles that are members of
//! `shopfloor_station`, which may only INSERT and SELECT the claims and the audit copy.

use super::Error;
use tokio_postgres::Client;

/// The group role station logins are made members of.
pub const STATION_ROLE: &str = "shopfloor_station";

/// (version, what it does, SQL). Never edit a migration that has shipped: add the next one.
pub const MIGRATIONS: &[(i32, &str, &str)] = &[
    (1, "claims, stations, audit copy, shared budget", V1),
    (2, "serials printed on the line's labels, one station each", V2),
];

/// The version this build works with.
pub fn current() -> i32 {
    MIGRATIONS.last().map(|m| m.0).unwrap_or(0)
}

const V1: &str = r#"
DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'shopfloor_station') THEN
        CREATE ROLE shopfloor_station NOLOGIN;
    END IF;
END $$;
GRANT USAGE ON SCHEMA shopfloor TO shopfloor_station;
GRANT SELECT ON schema_version TO shopfloor_station;

-- One row per pack (GTIN + serial) on the whole line: the first station to claim it owns it.
-- `pack` is the scan's row id in that station's journal, so a retried claim is known as its own.
CREATE TABLE claims (
    gtin        text        NOT NULL,
    serial      text        NOT NULL,
    station     text        NOT NULL,
    pack        bigint      NOT NULL,
    operator    text,
    order_id    text        NOT NULL,
    line        text        NOT NULL,
    scanned_at  timestamptz NOT NULL,
    claimed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (gtin, serial)
);
CREATE INDEX claims_order ON claims (order_id, station);

-- Claimed packs per order and station, kept in the claim's transaction (the live counters).
CREATE TABLE order_counts (
    order_id text   NOT NULL,
    station  text   NOT NULL,
    line     text   NOT NULL,
    claimed  bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (order_id, station)
);

-- Conflicts found when a backlog was claimed after the store was unreachable.
CREATE TABLE late_duplicates (
    id               bigserial   PRIMARY KEY,
    gtin             text        NOT NULL,
    serial           text        NOT NULL,
    station          text        NOT NULL,
    pack             bigint      NOT NULL,
    operator         text,
    order_id         text        NOT NULL,
    scanned_at       timestamptz NOT NULL,
    first_station    text        NOT NULL,
    first_pack       bigint      NOT NULL,
    first_operator   text,
    first_order_id   text        NOT NULL,
    first_scanned_at timestamptz NOT NULL,
    found_at         timestamptz NOT NULL DEFAULT now(),
    resolved_at      timestamptz,
    resolved_by      text,
    resolution       text,
    UNIQUE (station, pack)
);

-- Each station's state as it last reported it (the board).
CREATE TABLE stations (
    station       text        PRIMARY KEY,
    line          text        NOT NULL,
    operator      text,
    active_order  text,
    accepted      bigint      NOT NULL DEFAULT 0,
    commissioned  bigint      NOT NULL DEFAULT 0,
    pending       bigint      NOT NULL DEFAULT 0,
    per_minute    bigint      NOT NULL DEFAULT 0,
    backlog       bigint      NOT NULL DEFAULT 0,
    last_alarm    text,
    last_alarm_at timestamptz,
    clock_skew_ms bigint,
    started_at    timestamptz NOT NULL DEFAULT now(),
    last_seen     timestamptz NOT NULL DEFAULT now(),
    stopped_at    timestamptz
);

-- Every station's audit rows, copied as they are (their hash chain intact), never changed.
-- `chain` is the station whose journal holds the chain; `station` is the row's own field.
CREATE TABLE audit (
    chain      text        NOT NULL,
    station    text        NOT NULL,
    id         bigint      NOT NULL,
    at_utc     text        NOT NULL,
    utc_offset text        NOT NULL,
    operator   text,
    action     text        NOT NULL,
    object     text        NOT NULL,
    old_value  text,
    new_value  text,
    reason     text,
    prev_hash  text        NOT NULL,
    hash       text        NOT NULL,
    copied_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (chain, id)
);
CREATE INDEX audit_at ON audit (at_utc);

-- The last row of each station's chain; only the trigger below writes it.
CREATE TABLE audit_heads (
    station    text        PRIMARY KEY,
    last_id    bigint      NOT NULL,
    last_hash  text        NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION audit_refuse() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
    RAISE EXCEPTION 'the line audit trail is append-only: % is refused', TG_OP;
END $f$;
CREATE TRIGGER audit_no_update BEFORE UPDATE OR DELETE ON audit
    FOR EACH ROW EXECUTE FUNCTION audit_refuse();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse();
CREATE TRIGGER audit_heads_no_truncate BEFORE TRUNCATE OR DELETE ON audit_heads
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse();

-- A row must continue its station's chain: the next id, linked to the head's hash.
CREATE FUNCTION audit_chain() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = shopfloor, pg_temp AS $f$
DECLARE
    head audit_heads%ROWTYPE;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('shopfloor.audit:' || NEW.chain));
    SELECT * INTO head FROM audit_heads WHERE station = NEW.chain;
    IF NOT FOUND THEN
        IF NEW.id <> 1 OR NEW.prev_hash <> repeat('0', 64) THEN
            RAISE EXCEPTION 'audit row % of station % does not start its chain', NEW.id, NEW.chain;
        END IF;
        INSERT INTO audit_heads (station, last_id, last_hash) VALUES (NEW.chain, NEW.id, NEW.hash);
    ELSE
        IF NEW.id <> head.last_id + 1 OR NEW.prev_hash <> head.last_hash THEN
            RAISE EXCEPTION 'audit row % of station % does not continue its chain (the store holds rows up to %)',
                NEW.id, NEW.chain, head.last_id;
        END IF;
        UPDATE audit_heads SET last_id = NEW.id, last_hash = NEW.hash, updated_at = now()
            WHERE station = NEW.chain;
    END IF;
    RETURN NEW;
END $f$;
CREATE TRIGGER audit_chain BEFORE INSERT ON audit FOR EACH ROW EXECUTE FUNCTION audit_chain();

-- The Lagerkoll budget shared by every station using one API key (by its hash): places held
-- in the last minute, and people waiting (who go before background refreshes).
CREATE TABLE budget_slots (
    id       bigserial   PRIMARY KEY,
    key_hash text        NOT NULL,
    station  text        NOT NULL,
    sent_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    done_at  timestamptz
);
CREATE INDEX budget_slots_key ON budget_slots (key_hash);
CREATE TABLE budget_waiting (
    key_hash text        NOT NULL,
    waiter   text        NOT NULL,
    expires  timestamptz NOT NULL,
    PRIMARY KEY (key_hash, waiter)
);

-- One place in the window of `p_key`, or how long to wait before asking again. A request whose
-- answer never came back (station gone) holds its place for two minutes at most.
CREATE FUNCTION budget_acquire(p_key text, p_station text, p_waiter text, p_limit int, p_window_ms int, p_user boolean)
    RETURNS TABLE (slot bigint, wait_ms bigint) LANGUAGE plpgsql AS $f$
DECLARE
    t       timestamptz := clock_timestamp();
    win     interval := make_interval(secs => p_window_ms / 1000.0);
    held    bigint;
    users   bigint;
    s       bigint;
    free_at timestamptz;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('shopfloor.budget:' || p_key));
    DELETE FROM budget_slots
        WHERE key_hash = p_key AND COALESCE(done_at, sent_at + interval '2 minutes') + win <= t;
    DELETE FROM budget_waiting WHERE key_hash = p_key AND (expires < t OR waiter = p_waiter);
    SELECT count(*) INTO held FROM budget_slots WHERE key_hash = p_key;
    SELECT count(*) INTO users FROM budget_waiting WHERE key_hash = p_key;
    IF held < p_limit AND (p_user OR users = 0) THEN
        INSERT INTO budget_slots (key_hash, station) VALUES (p_key, p_station) RETURNING id INTO s;
        RETURN QUERY SELECT s, 0::bigint;
        RETURN;
    END IF;
    IF p_user THEN
        INSERT INTO budget_waiting (key_hash, waiter, expires) VALUES (p_key, p_waiter, t + interval '5 seconds');
    END IF;
    IF held < p_limit THEN
        RETURN QUERY SELECT NULL::bigint, 20::bigint;
        RETURN;
    END IF;
    SELECT min(COALESCE(done_at, sent_at + interval '2 minutes')) + win INTO free_at
        FROM budget_slots WHERE key_hash = p_key;
    RETURN QUERY SELECT NULL::bigint,
        GREATEST(10, LEAST(5000, (extract(epoch FROM (free_at - t)) * 1000)::bigint));
END $f$;

GRANT SELECT, INSERT ON claims, audit TO shopfloor_station;
GRANT SELECT ON audit_heads TO shopfloor_station;
GRANT SELECT, INSERT, UPDATE ON order_counts, stations TO shopfloor_station;
GRANT SELECT, INSERT ON late_duplicates TO shopfloor_station;
GRANT SELECT, INSERT, UPDATE, DELETE ON budget_slots, budget_waiting TO shopfloor_station;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA shopfloor TO shopfloor_station;
GRANT EXECUTE ON FUNCTION budget_acquire(text, text, text, int, int, boolean) TO shopfloor_station;
"#;

/// Every serial a station generated and is about to print, line-wide: one row per GTIN and
/// serial, so two stations can never put one serial on two labels. Stations only add rows.
const V2: &str = r#"
CREATE TABLE printed_serials (
    gtin       text        NOT NULL,
    serial     text        NOT NULL,
    station    text        NOT NULL,
    line       text        NOT NULL,
    order_id   text        NOT NULL,
    claimed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (gtin, serial)
);
GRANT SELECT, INSERT ON printed_serials TO shopfloor_station;
"#;

/// The version the store is at (0: never initialised).
pub async fn version(client: &Client) -> Result<i32, Error> {
    let exists =
        client.query_one("SELECT to_regclass('shopfloor.schema_version') IS NOT NULL", &[]).await.map_err(Error::db)?;
    if !exists.get::<_, bool>(0) {
        return Ok(0);
    }
    let row = client
        .query_one("SELECT COALESCE(max(version), 0) FROM shopfloor.schema_version", &[])
        .await
        .map_err(Error::db)?;
    Ok(row.get(0))
}

/// Refuses a store this build cannot work with, saying what to do.
pub async fn check(client: &Client) -> Result<(), Error> {
    let found = version(client).await?;
    let want = current();
    if found < want {
        return Err(Error::SchemaTooOld { found, want });
    }
    if found > want {
        return Err(Error::SchemaTooNew { found, want });
    }
    Ok(())
}

/// Creates or migrates the schema; answers (version before, version after).
pub async fn init(client: &mut Client) -> Result<(i32, i32), Error> {
    client
        .batch_execute(
            "CREATE SCHEMA IF NOT EXISTS shopfloor;
             CREATE TABLE IF NOT EXISTS shopfloor.schema_version (
                 version     int PRIMARY KEY,
                 description text NOT NULL,
                 applied_at  timestamptz NOT NULL DEFAULT now()
             );",
        )
        .await
        .map_err(Error::db)?;
    let before = version(client).await?;
    if before > current() {
        return Err(Error::SchemaTooNew { found: before, want: current() });
    }
    for (v, what, sql) in MIGRATIONS {
        let tx = client.transaction().await.map_err(Error::db)?;
        // Two inits at once: the second waits, then finds the migration applied.
        tx.execute("SELECT pg_advisory_xact_lock(hashtext('shopfloor.migrations'))", &[]).await.map_err(Error::db)?;
        let done =
            tx.query_opt("SELECT 1 FROM shopfloor.schema_version WHERE version = $1", &[v]).await.map_err(Error::db)?;
        if done.is_some() {
            continue;
        }
        tx.batch_execute("SET LOCAL search_path = shopfloor").await.map_err(Error::db)?;
        tx.batch_execute(sql).await.map_err(|e| Error::Migration { version: *v, why: super::describe(&e) })?;
        tx.execute("INSERT INTO shopfloor.schema_version (version, description) VALUES ($1, $2)", &[v, what])
            .await
            .map_err(Error::db)?;
        tx.commit().await.map_err(Error::db)?;
    }
    Ok((before, version(client).await?))
}
