#pragma once
// Ctrl-C and SIGTERM for the long commands: the first signal asks the library to stop (it cleans
// up and throws Error(kCancelled)), a second one ends the process at once.
namespace flamecare::cli {

/// Installs the SIGINT and SIGTERM handlers that set the interrupted() flag (a signal that was
/// ignored when the process started stays ignored).
void catch_interrupts();

/// True once SIGINT or SIGTERM arrived after catch_interrupts().
bool interrupted();

}  // namespace flamecare::cli
