//! Configuration, read from the environment once per cold start.
//!
//! Every variable is documented in docs/configuration.md. A value that is
//! present but wrong is an error, never a silent fallback to the default.

mod accounts;
mod discovery;
mod function;
mod keys;
mod token_locations;

pub use accounts::AccountsConfig;
pub use discovery::DiscoveryConfig;
pub use function::Config;
pub use token_locations::TokenLocations;
