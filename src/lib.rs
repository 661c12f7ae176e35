//! frontdesk: a keyboard-driven terminal inbox for support agents, and the reference
//! inbox server it ships with. See DESIGN.md in the shared folder for the layout.

pub mod config;
pub mod logging;
pub mod script;
pub mod setup;
