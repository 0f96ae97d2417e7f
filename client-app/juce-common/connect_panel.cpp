#include "connect_panel.h"

#include "samspil/protocol/invite_link.h"
#include "samspil/protocol/server_url.h"
#include "samspil/protocol/validation.h"
#include "samspil/net/http_client.h"


namespace samspil::ui {

ConnectPanel::ConnectPanel(RoomSession& session) : session_(session) {
    title_.setText(tr("Join a lesson or a session"), juce::dontSendNotification);
    title_.setFont(juce::Font(20.0f, juce::Font::bold));
    addAndMakeVisible(title_);
    // Named in both languages, so that a person who cannot read the one shown finds it.
    styleCaption(languageCaption_, "Sprog / Language");
    languageCaption_.setJustificationType(juce::Justification::centredRight);
    addChildComponent(languageCaption_);
    language_.addItem("Dansk", 1);
    language_.addItem("English", 2);
    language_.setSelectedId(currentLanguage() == Language::Danish ? 1 : 2, juce::dontSendNotification);
    language_.setTitle("Sprog / Language");
    language_.onChange = [this] {
        const Language picked = language_.getSelectedId() == 1 ? Language::Danish : Language::English;
        if (picked != currentLanguage() && onLanguageChosen) onLanguageChosen(picked);
    };
    addChildComponent(language_);
    addRow(serverCaption_, tr("Server"), server_);
    server_.setTextToShowWhenEmpty("ws://samspil.your-school.example:7400", colours::dimText);
    addRow(roomCaption_, tr("Room"), room_);
    room_.setTextToShowWhenEmpty(tr("the room code from your teacher, e.g. piano-3"), colours::dimText);
    addRow(nameCaption_, tr("Your name"), name_);
    name_.setTextToShowWhenEmpty(tr("as the others will see it"), colours::dimText);
    addRow(inviteCaption_, tr("Invite link"), invite_);
    invite_.setTextToShowWhenEmpty(tr("or paste the samspil:// link from your invitation email"), colours::dimText);
    invite_.onTextChange = [this] { inviteEdited(); };
    addRow(loginCaption_, tr("School login"), login_);
    login_.setTextToShowWhenEmpty(tr("teachers and students with a school account"), colours::dimText);
    addRow(passwordCaption_, tr("Password"), password_);
    password_.setPasswordCharacter(juce::juce_wchar(0x2022));
    password_.onReturnKey = [this] { startSignIn(); };
    signIn_.onClick = [this] { startSignIn(); };
    addAndMakeVisible(signIn_);
    signInStatus_.setColour(juce::Label::textColourId, colours::dimText);
    addAndMakeVisible(signInStatus_);
    join_.setColour(juce::TextButton::buttonColourId, colours::accent.darker(0.3f));
    join_.onClick = [this] { joinClicked(); };
    addAndMakeVisible(join_);
    status_.setFont(juce::Font(15.0f));
    addAndMakeVisible(status_);
    help_.setColour(juce::Label::textColourId, colours::dimText);
    help_.setText(tr("Open rooms need only a server, a room and a name. A school's rooms need an invite link or "
                     "a sign-in; students then wait until the teacher lets them in."),
                  juce::dontSendNotification);
    addAndMakeVisible(help_);
}

ConnectPanel::~ConnectPanel() = default;

void ConnectPanel::addRow(juce::Label& caption, const juce::String& text, juce::Component& field) {
    styleCaption(caption, text);
    caption.setFont(juce::Font(14.0f));
    caption.setJustificationType(juce::Justification::centredRight);
    addAndMakeVisible(caption);
    if (auto* editor = dynamic_cast<juce::TextEditor*>(&field)) editor->setJustification(juce::Justification::centredLeft);
    addAndMakeVisible(field);
}

void ConnectPanel::setFields(const ConnectFields& f) {
    server_.setText(juce::String::fromUTF8(f.serverUrl.c_str()), false);
    room_.setText(juce::String::fromUTF8(f.room.c_str()), false);
    name_.setText(juce::String::fromUTF8(f.name.c_str()), false);
    login_.setText(juce::String::fromUTF8(f.login.c_str()), false);
    token_ = f.token;
    if (f.invite) {
        invite_.setText(juce::String::fromUTF8(f.invite->c_str()), false);
        inviteEdited();
    }
}

ConnectFields ConnectPanel::fields() const {
    ConnectFields f;
    f.serverUrl = server_.getText().trim().toStdString();
    f.room = room_.getText().trim().toStdString();
    f.name = name_.getText().trim().toStdString();
    f.login = login_.getText().trim().toStdString();
    f.token = token_;
    f.invite = inviteCode_;
    return f;
}

// A pasted link fills in the server and the room; a bare code is taken as the invite.
void ConnectPanel::inviteEdited() {
    const std::string text = invite_.getText().trim().toStdString();
    inviteCode_.reset();
    if (text.empty()) return;
    if (text.rfind("samspil", 0) == 0) {
        auto link = parseInviteLink(text);
        if (!link) {
            status_.setText(link.error(), juce::dontSendNotification);
            status_.setColour(juce::Label::textColourId, colours::poor);
            return;
        }
        server_.setText(juce::String::fromUTF8(link->serverUrl.c_str()), false);
        room_.setText(juce::String::fromUTF8(link->room.c_str()), false);
        inviteCode_ = link->invite;
        status_.setText(tr("Invite link read: room {room}. Type your name and join.")
                            .replace("{room}", juce::String::fromUTF8(link->room.c_str())),
                        juce::dontSendNotification);
        status_.setColour(juce::Label::textColourId, colours::text);
    } else {
        inviteCode_ = text;
    }
}

std::optional<std::string> ConnectPanel::problem() const {
    const ConnectFields f = fields();
    if (f.serverUrl.empty()) return tr("Type the server's address (your school's IT can tell you).").toStdString();
    if (auto url = parseServerUrl(f.serverUrl); !url)
        return tr("The server address does not work: {why}.").replace("{why}", juce::String::fromUTF8(url.error().c_str())).toStdString();
    if (!protocol::isValidRoomCode(f.room)) return tr("Type the room code: letters, digits, - and _ only.").toStdString();
    if (!protocol::normalizeDisplayName(f.name) && !f.invite && !f.token)
        return tr("Type your name as the others should see it.").toStdString();
    return std::nullopt;
}

void ConnectPanel::joinClicked() {
    if (isInSession(session_.state())) {
        if (onLeave) onLeave();
        return;
    }
    if (auto why = problem()) {
        status_.setText(juce::String::fromUTF8(why->c_str()), juce::dontSendNotification);
        status_.setColour(juce::Label::textColourId, colours::poor);
        return;
    }
    if (onJoin) onJoin(fields());
}

void ConnectPanel::startSignIn() {
    const std::string server = server_.getText().trim().toStdString();
    const std::string login = login_.getText().trim().toStdString();
    const std::string password = password_.getText().toStdString();
    if (server.empty() || login.empty() || password.empty()) {
        signInStatus_.setText(tr("Type the server, your login and your password."), juce::dontSendNotification);
        return;
    }
    signIn_.setEnabled(false);
    signInStatus_.setText(tr("Signing in …"), juce::dontSendNotification);
    // The HTTP call blocks (up to 10 s); the answer comes back to the message thread.
    signInJob_.start([server, login, password] { return net::signIn(server, login, password); },
                     [this](Expected<std::string, std::string> token) {
            signIn_.setEnabled(true);
            password_.clear();  // the password is used once and never kept
            if (token) {
                token_ = *token;
                signInStatus_.setText(tr("Signed in. Choose the room and join."), juce::dontSendNotification);
                if (onSignedIn) onSignedIn();
            } else {
                token_.reset();
                signInStatus_.setText(token.error(), juce::dontSendNotification);
            }
        });
}

void ConnectPanel::update() {
    const auto state = session_.state();
    join_.setButtonText(isInSession(state) ? tr("Leave") : tr("Join"));
    const bool offerLanguage = static_cast<bool>(onLanguageChosen);
    languageCaption_.setVisible(offerLanguage);
    language_.setVisible(offerLanguage);
    language_.setEnabled(!isInSession(state));
    language_.setTooltip(isInSession(state) ? tr("Leave the room to change the language") : juce::String());
    if (state != net::SessionState::Idle) {
        status_.setText(juce::String::fromUTF8(session_.statusText().c_str()), juce::dontSendNotification);
        status_.setColour(juce::Label::textColourId,
                          state == net::SessionState::Refused ? colours::poor : colours::text);
    }
}

void ConnectPanel::paint(juce::Graphics& g) {
    g.fillAll(colours::background);
}

void ConnectPanel::resized() {
    auto area = getLocalBounds().reduced(24);
    area = area.withSizeKeepingCentre(std::min(area.getWidth(), 720), area.getHeight());
    auto titleRow = area.removeFromTop(40);
    language_.setBounds(titleRow.removeFromRight(120).withSizeKeepingCentre(120, 26));
    languageCaption_.setBounds(titleRow.removeFromRight(130));
    title_.setBounds(titleRow);
    area.removeFromTop(10);
    auto row = [&](juce::Label& caption, juce::Component& field, juce::Component* extra = nullptr) {
        auto r = area.removeFromTop(30);
        caption.setBounds(r.removeFromLeft(120));
        r.removeFromLeft(8);
        if (extra) {
            extra->setBounds(r.removeFromRight(90));
            r.removeFromRight(6);
        }
        field.setBounds(r);
        area.removeFromTop(8);
    };
    row(serverCaption_, server_);
    row(roomCaption_, room_);
    row(nameCaption_, name_);
    area.removeFromTop(10);
    row(inviteCaption_, invite_);
    row(loginCaption_, login_);
    row(passwordCaption_, password_, &signIn_);
    signInStatus_.setBounds(area.removeFromTop(24).withTrimmedLeft(128));
    area.removeFromTop(14);
    auto joinRow = area.removeFromTop(40);
    joinRow.removeFromLeft(128);
    join_.setBounds(joinRow.removeFromLeft(140));
    joinRow.removeFromLeft(12);
    status_.setBounds(joinRow);
    area.removeFromTop(14);
    help_.setBounds(area.removeFromTop(44));
}

}  // namespace samspil::ui
