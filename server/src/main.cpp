// samspil-server: parse the options, open the database, serve until SIGINT/SIGTERM.
#include "admin_command.h"
#include "log.h"
#include "relay_server.h"
#include "samspil/base/version.h"
#include "server_options.h"
#include "store/database.h"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <pthread.h>
#include <thread>

using namespace samspil::server;

int main(int argc, char** argv) {
    if (argc > 1 && std::string(argv[1]) == "admin")
        return runAdminCommand(std::vector<std::string>(argv + 2, argv + argc));
    auto options = parseServerOptions(std::vector<std::string>(argv + 1, argv + argc));
    if (!options) {
        std::cerr << "samspil-server: " << options.error() << "\n";
        return 2;
    }
    if (options->showHelp) {
        std::cout << serverHelpText();
        return 0;
    }
    if (options->showVersion) {
        std::cout << "samspil-server " << samspil::kVersion << "\n";
        return 0;
    }
    if (auto problem = placesProblem(*options)) {
        std::cerr << "samspil-server: " << *problem << "\n";
        return 2;
    }
    if (options->checkConfig) {
        auto checked = checkServerConfig(*options);
        if (!checked) {
            std::cerr << "samspil-server: the configuration will not work:\n" << checked.error() << "\n";
            return 2;
        }
        for (const auto& line : *checked) std::cout << "samspil-server: " << line << "\n";
        std::cout << "samspil-server: the configuration is fine\n";
        return 0;
    }

    // Signals are taken by one thread with sigwait; every other thread blocks them.
    sigset_t stopSignals;
    sigemptyset(&stopSignals);
    sigaddset(&stopSignals, SIGINT);
    sigaddset(&stopSignals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    try {
        RelayServer server(*options);
        std::atomic<bool> serverDone{false};
        std::thread signalThread([&server, &serverDone, stopSignals] {
            int signal = 0;
            sigwait(&stopSignals, &signal);
            if (serverDone.load()) return;  // woken by ourselves below
            logInfo(std::string("received ") + (signal == SIGINT ? "SIGINT" : "SIGTERM"));
            server.requestStop();
        });
        const int code = server.run();
        serverDone.store(true);
        // Wake the signal thread if the server stopped for another reason.
        pthread_kill(signalThread.native_handle(), SIGTERM);
        signalThread.join();
        return code;
    } catch (const StoreError& error) {
        logError(std::string("database: ") + error.what());
        return 1;
    }
}
