//! End-to-end tests of the product: the release function binaries against the test kit. The
//! helpers they share are in `support/`; the kit's own tests are the `kit` test binary.
mod support;

mod cli_backfill;
mod cli_check;
mod cli_init;
mod cli_replay;
mod cli_secret;
mod digest_run;
mod oauth_flow;
mod queue_mode;
mod scheduled_backfill;
mod scheduled_changes;
mod scheduled_deadline;
mod scheduled_failures;
mod scheduled_rate_limits;
mod scheduled_redelivery;
mod twoway_admin;
mod twoway_fields;
mod twoway_flow;
mod twoway_order;
mod webhook_config;
mod webhook_content;
mod webhook_delivery;
mod webhook_events;
mod webhook_faults;
mod webhook_fields;
mod webhook_fixtures;
mod webhook_race;
mod webhook_refusals;
