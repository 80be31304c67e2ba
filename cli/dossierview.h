/* sohoactl dossier show and dossier list (the reading half of cli/dossier.c).
 * Each takes argv with argv[0] = "show" or "list" and returns the exit status. */
#pragma once

int dossierview_show(int argc, char **argv);
int dossierview_list(int argc, char **argv);
