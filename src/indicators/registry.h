/* registry.h: inside src/indicators only: the registry's array, for the computation that
 * indexes its figures (indicators.c). Everyone else uses indicators_all() (indicators.h). */
#ifndef THUVIEN_INDICATORS_REGISTRY_H
#define THUVIEN_INDICATORS_REGISTRY_H

#include "indicators/indicators.h"

extern const ind_def_t ind_registry[];
extern const size_t ind_registry_n;

#endif
