/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cmd.h - the subcommands. Each lives in cli/cmd-NAME.c, parses its options
 * and wires library calls together; the work is in the modules. A command
 * returns the process exit status: 0 ok, 1 failure (message printed), 2 usage.
 */
#ifndef XPKT_CLI_CMD_H
#define XPKT_CLI_CMD_H

#include <stdio.h>

#define XPKT_VERSION "0.1.0"

int cmd_synth(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_diagnose(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_xen_stat(int argc, char **argv);
int cmd_stages(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_events(int argc, char **argv);
int cmd_sym(int argc, char **argv);

/* "xpkttrace: msg" on stderr; returns 1 for "return die(...)". */
int die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "usage: ..." plus "Try 'xpkttrace CMD --help'." on stderr; returns 2. */
int usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
