/* PLACEHOLDER */
#include "counters.h"
