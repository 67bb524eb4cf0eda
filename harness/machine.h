/* PLACEHOLDER: replaced by the real machine-facts module before landing. */
#ifndef PB_MACHINE_H
#define PB_MACHINE_H
#include <jansson.h>
json_t *pb_machine_facts(void);
int pb_machine_warnings(char (*out)[256], int max);
double pb_probe_copy_gbs(void);
double pb_probe_pipe_rtt_us(void);
#endif
