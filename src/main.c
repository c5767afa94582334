/* packid — serialization compliance service for pharmaceutical packs. */
#include "cli.h"

int main(int argc, char **argv)
{
    return px_cli_main(argc, argv);
}
