//! The use cases, one file each: what an endpoint does, from plain inputs
//! to a plain result, with no HTTP in sight. Each is a method on
//! [`crate::Auth`], so a handler parses, makes one call, and answers; an
//! operator's are methods on [`Operator`].

mod authenticate;
mod change_password;
mod logout;
mod operate;
mod refresh;
mod register;

pub use authenticate::Login;
pub use change_password::PasswordChange;
pub use operate::Operator;
pub use register::Registration;
