/* The xent executable: everything is in xcli_main (cli/xent.c), which the
 * bundled demo calls too. */
#include "cli.h"

int main(int argc, char **argv) { return xcli_main(argc, argv); }
