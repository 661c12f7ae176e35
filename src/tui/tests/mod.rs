//! Tests of `update()`: every command, driven by keys through the real keymap, with
//! the effects it asks for and the state it leaves. No terminal, no network.

mod commands;
mod hostile;
mod screens;
