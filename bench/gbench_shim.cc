// gbench_shim.cc - the extern "C" API of gbench_shim.h over Google Benchmark (1.7.1 tested).
#include "gbench_shim.h"

#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>

static benchmark::State &S(hm_gb_state *st)
{
    return *reinterpret_cast<benchmark::State *>(st);
}

extern "C" int hm_gb_register(const char *name, hm_gb_fn fn, void *ctx, int timing)
{
    benchmark::internal::Benchmark *b = benchmark::RegisterBenchmark(
        name, [fn, ctx](benchmark::State &state) {
            fn(reinterpret_cast<hm_gb_state *>(&state), ctx);
        });
    if (!b)
        return -1;
    if (timing == HM_GB_MANUAL_TIME)
        b->UseManualTime();
    else
        b->UseRealTime();
    /* No Unit() here: it would override --benchmark_time_unit (see hm_gb_run). */
    return 0;
}

extern "C" int hm_gb_keep_running(hm_gb_state *st)
{
    return S(st).KeepRunning() ? 1 : 0;
}

extern "C" void hm_gb_set_iteration_time(hm_gb_state *st, double seconds)
{
    S(st).SetIterationTime(seconds);
}

extern "C" void hm_gb_set_counter(hm_gb_state *st, const char *name, double value, int is_rate)
{
    S(st).counters[std::string(name)] =
        benchmark::Counter(value, is_rate ? benchmark::Counter::kIsRate
                                          : benchmark::Counter::kDefaults);
}

extern "C" void hm_gb_skip_with_error(hm_gb_state *st, const char *msg)
{
    S(st).SkipWithError(msg);
}

extern "C" long long hm_gb_iterations(const hm_gb_state *st)
{
    return static_cast<long long>(
        reinterpret_cast<const benchmark::State *>(st)->iterations());
}

extern "C" void hm_gb_add_context(const char *key, const char *value)
{
    benchmark::AddCustomContext(key, value);
}

static const char *own_help_text = "";

static void print_help()
{
    benchmark::PrintDefaultHelp();
    fputs(own_help_text, stdout);
}

extern "C" int hm_gb_run(int *argc, char **argv, const char *own_help)
{
    /* The default unit of every benchmark without its own; Initialize replaces it with
     * --benchmark_time_unit when that is given. */
    benchmark::SetDefaultTimeUnit(benchmark::kMillisecond);
    own_help_text = own_help ? own_help : "";
    benchmark::Initialize(argc, argv, print_help);
    if (benchmark::ReportUnrecognizedArguments(*argc, argv))
        return 2;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
