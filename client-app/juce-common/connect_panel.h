// Where a teacher or student says where to go: server, room and name, or an invite link
// pasted from an email, or a school sign-in; then Join. Says in one sentence what is
// wrong when something is. Message thread (sign-in runs on a short-lived worker thread).
#pragma once

#include "background_job.h"
#include "room_session.h"
#include "samspil_look.h"
#include "ui_language.h"

#include <memory>

namespace samspil::ui {

struct ConnectFields {
    std::string serverUrl;
    std::string room;
    std::string name;
    std::string login;
    std::optional<std::string> token;   ///< never saved
    std::optional<std::string> invite;  ///< never saved
};

class ConnectPanel : public juce::Component {
public:
    explicit ConnectPanel(RoomSession& session);
    ~ConnectPanel() override;

    void setFields(const ConnectFields& fields);
    ConnectFields fields() const;
    /// Checks the fields; the sentence to show when they cannot work.
    std::optional<std::string> problem() const;
    /// Shows the session's state on the Join button and the status line.
    void update();

    /// Join or Leave clicked (after the fields were checked).
    std::function<void(const ConnectFields&)> onJoin;
    std::function<void()> onLeave;
    /// A sign-in succeeded (fields().token holds the session token).
    std::function<void()> onSignedIn;
    /// The person picked the other language (offered only when set; not while in a room).
    std::function<void(Language)> onLanguageChosen;

    void paint(juce::Graphics& g) override;
    void resized() override;

private:
    void inviteEdited();
    void startSignIn();
    void joinClicked();
    void addRow(juce::Label& caption, const juce::String& text, juce::Component& field);

    RoomSession& session_;
    juce::Label title_, serverCaption_, roomCaption_, nameCaption_, inviteCaption_, loginCaption_, passwordCaption_;
    juce::TextEditor server_, room_, name_, invite_, login_, password_;
    juce::TextButton signIn_{tr("Sign in")}, join_{tr("Join")};
    juce::Label languageCaption_;
    juce::ComboBox language_;
    juce::Label signInStatus_, status_, help_;
    std::optional<std::string> token_;
    std::optional<std::string> inviteCode_;
    BackgroundJob<Expected<std::string, std::string>> signInJob_;  // last member: joined first
};

}  // namespace samspil::ui
