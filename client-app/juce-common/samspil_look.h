// The Samspil look: one dark theme and a few colours the components share, so the app and
// the plugin look alike. Message thread.
#pragma once

#include "ui_language.h"

#include <juce_gui_basics/juce_gui_basics.h>

namespace samspil::ui {

namespace colours {
inline const juce::Colour background{0xff1d2026};
inline const juce::Colour panel{0xff272b33};
inline const juce::Colour text{0xffe8e8ea};
inline const juce::Colour dimText{0xff9aa0a8};
inline const juce::Colour accent{0xff4fb3a9};   // teal: Samspil's own
inline const juce::Colour good{0xff5cc26d};
inline const juce::Colour fair{0xffe0b03c};
inline const juce::Colour poor{0xffe0594a};
}  // namespace colours

class SamspilLook : public juce::LookAndFeel_V4 {
public:
    SamspilLook() : juce::LookAndFeel_V4(juce::LookAndFeel_V4::getMidnightColourScheme()) {
        setColour(juce::ResizableWindow::backgroundColourId, colours::background);
        setColour(juce::TextButton::buttonColourId, colours::panel.brighter(0.1f));
        setColour(juce::TextButton::buttonOnColourId, colours::accent);
        setColour(juce::Slider::thumbColourId, colours::accent);
        setColour(juce::Slider::trackColourId, colours::accent.withAlpha(0.6f));
        setColour(juce::Label::textColourId, colours::text);
        setColour(juce::TextEditor::backgroundColourId, colours::panel.darker(0.3f));
        setColour(juce::TextEditor::outlineColourId, colours::panel.brighter(0.3f));
        setColour(juce::ComboBox::backgroundColourId, colours::panel.darker(0.3f));
        setColour(juce::TabbedButtonBar::tabTextColourId, colours::dimText);
        setColour(juce::TabbedButtonBar::frontTextColourId, colours::text);
    }
};

/// Text from a UTF-8 literal ("…", "≈", "·"): juce::String(const char*) would read it as
/// one character per byte.
inline juce::String utf8(const char* text) {
    return juce::String::fromUTF8(text);
}

/// A label in the dim style used for captions ("Volume", "Pan").
inline void styleCaption(juce::Label& label, const juce::String& text) {
    label.setText(text, juce::dontSendNotification);
    label.setColour(juce::Label::textColourId, colours::dimText);
    label.setFont(juce::Font(12.0f));
}

}  // namespace samspil::ui
