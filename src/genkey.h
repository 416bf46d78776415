/* argoctl genkey: a new network key (argod.conf(5), key and key-file). */
#ifndef ARGO_GENKEY_H
#define ARGO_GENKEY_H

/* argv[0] is "genkey"; returns the exit status (0, or 2 on trouble). */
int	genkey_main(int argc, char *argv[]);

#endif
