/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cmd.h - the subcommands. Each lives in cli/cmd-NAME.c, parses its options
 * and wires library calls together; the work is in the modules. A command
 * returns the process exit status: 0 ok, 1 failure (message printed), 2 usage.
 */
#ifndef XPKT_CLI_CMD_H
#define XPKT_CLI_CMD_H

#include <stdint.h>
#include <stdio.h>

struct xpkt_correlate_opts;
struct xpkt_manifest;
struct xpkt_results;

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
int cmd_annotate(int argc, char **argv);

/* "xpkttrace: msg" on stderr; returns 1 for "return die(...)". */
int die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "usage: ..." plus "Try 'xpkttrace CMD --help'." on stderr; returns 2. */
int usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Shared by the commands that correlate bundles (cli/correlate.c).
 * cli_idle_timeout: --idle-timeout SECONDS (> 0, at most 1e9) into *ns; 0, or
 * cmd's usage error (2). cli_correlate: xpkt_correlate with a progress line
 * on a TTY's stderr unless quiet (prefixed with the bundle when name_bundle:
 * a command reading two); 0, or the error printed and 1.
 */
int cli_idle_timeout(const char *cmd, const char *arg, uint64_t *ns);
int cli_correlate(const char *bundle, struct xpkt_correlate_opts *copts, int quiet, int name_bundle,
		  struct xpkt_manifest *m, struct xpkt_results *r);
/*
 * A command's result to FILE (-o: atomically, lib/afile.h; a failed render
 * leaves no file) or, with out NULL, to stdout: render(fp, arg) writes it and
 * returns non-zero on a write error. 0, or the error printed and 1.
 */
int cli_write(const char *out, int (*render)(FILE *fp, const void *arg), const void *arg);

/*
 * The symbol tables the recorder saved per domain, BUNDLE/DOMAIN.kallsyms
 * (docs/bundle.md; xen.kallsyms may be Xen's own System.map): tabs[domain]
 * or NULL where the bundle has none. 0, or the error printed and 1.
 */
struct xpkt_symtab;
int cli_symtabs_load(const char *bundle, struct xpkt_symtab *tabs[]);
void cli_symtabs_free(struct xpkt_symtab *tabs[]);

#endif
