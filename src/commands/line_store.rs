//! `shopfloor line-store …`: creates or migrates the store's schema, lists and resolves the
//! late duplicates, and (hidden) runs a station without a screen for tests and load runs.

use crate::cli::LineStoreCommand;
use crate::config::line_store::LineStoreConfig;
use crate::line_store::{claims, connect, schema};
use anyhow::Context;
use std::path::Path;
use std::process::ExitCode;

fn store_config(config: Option<&Path>, user: Option<String>) -> Result<LineStoreConfig, ExitCode> {
    let c = super::load_config(config)?;
    match c.line_store {
        Some(mut ls) => {
            if let Some(u) = user {
                ls.user = u;
            }
            Ok(ls)
        }
        None => {
            eprintln!("error: the config has no [line_store] section: add one with its url (see `shopfloor print-default-config`)");
            Err(ExitCode::from(super::EXIT_CONFIG))
        }
    }
}

pub fn run(cmd: LineStoreCommand, config: Option<&Path>) -> anyhow::Result<ExitCode> {
    let rt = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    match cmd {
        LineStoreCommand::Init { user } => {
            let cfg = match store_config(config, user) {
                Ok(c) => c,
                Err(code) => return Ok(code),
            };
            let done = rt.block_on(async {
                let (mut client, _n) = connect::connect(&cfg, "shopfloor line-store init").await?;
                schema::init(&mut client).await
            });
            match done {
                Ok((before, after)) if before == after => {
                    println!("line store {} is up to date (schema version {after})", cfg.describe());
                }
                Ok((before, after)) => {
                    println!(
                        "line store {} migrated from schema version {before} to {after}. Stations log in as members of the role {}: CREATE ROLE <station> LOGIN PASSWORD '…' IN ROLE {};",
                        cfg.describe(),
                        schema::STATION_ROLE,
                        schema::STATION_ROLE
                    );
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    return Ok(ExitCode::FAILURE);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        LineStoreCommand::Duplicates { all, user } => {
            let cfg = match store_config(config, user) {
                Ok(c) => c,
                Err(code) => return Ok(code),
            };
            let rows = rt.block_on(async {
                let (client, _n) = connect::connect(&cfg, "shopfloor line-store").await?;
                claims::late_duplicates(&client, all).await
            });
            let rows = match rows {
                Ok(r) => r,
                Err(e) => {
                    eprintln!("error: {e}");
                    return Ok(ExitCode::FAILURE);
                }
            };
            if rows.is_empty() {
                println!("no late duplicates to resolve");
            }
            let t = |t: chrono::DateTime<chrono::Utc>| {
                t.with_timezone(&chrono::Local).format("%Y-%m-%d %H:%M:%S").to_string()
            };
            for r in rows {
                println!(
                    "#{} {}/{}: scanned at {} (pack {}, operator {}, order {}, {}) after {} had claimed it (pack {}, operator {}, {}){}",
                    r.id,
                    r.gtin,
                    r.serial,
                    r.station,
                    r.pack,
                    r.operator.as_deref().unwrap_or("-"),
                    r.order_id,
                    t(r.scanned_at),
                    r.first_station,
                    r.first_pack,
                    r.first_operator.as_deref().unwrap_or("-"),
                    t(r.first_scanned_at),
                    match (&r.resolved_at, &r.resolved_by, &r.resolution) {
                        (Some(at), by, note) => format!(
                            "; resolved {} by {}: {}",
                            t(*at),
                            by.as_deref().unwrap_or("-"),
                            note.as_deref().unwrap_or("")
                        ),
                        _ => String::new(),
                    }
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        LineStoreCommand::Resolve { id, by, note, user } => {
            let cfg = match store_config(config, user) {
                Ok(c) => c,
                Err(code) => return Ok(code),
            };
            let done = rt.block_on(async {
                let (client, _n) = connect::connect(&cfg, "shopfloor line-store").await?;
                claims::resolve_late(&client, id, &by, &note).await
            });
            match done {
                Ok(true) => {
                    println!("late duplicate #{id} resolved");
                    Ok(ExitCode::SUCCESS)
                }
                Ok(false) => {
                    eprintln!(
                        "error: there is no open late duplicate #{id}; `shopfloor line-store duplicates` lists them"
                    );
                    Ok(ExitCode::from(1))
                }
                Err(e) => {
                    eprintln!("error: {e}. Resolving needs a login that may change the list (not a station's)");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        LineStoreCommand::Station { data_dir, order, operator, burst } => {
            let (c, controls) = match super::load_config_controls(config) {
                Ok(c) => c,
                Err(code) => return Ok(code),
            };
            rt.block_on(super::headless::run(c, &controls, &data_dir, &order, &operator, burst))
        }
    }
}
