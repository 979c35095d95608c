/* process.c's bindings (execve, mallopt, flock), added to the addon's exports by timenode.c. */
#ifndef TIMENODE_PROCESS_H
#define TIMENODE_PROCESS_H

#include <node_api.h>

napi_status tn_register_process(napi_env env, napi_value exports);

#endif
