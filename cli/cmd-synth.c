// SPDX-License-Identifier: GPL-2.0
/* STUB: replaced by its owner. */
#include "cli/cmd.h"

int cmd_synth(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return die("synth: not implemented yet");
}
