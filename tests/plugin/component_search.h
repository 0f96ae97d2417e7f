// Finding what a person sees in a plugin window's component tree, for the plugin tests.
// Message thread.
#pragma once

#include <juce_gui_basics/juce_gui_basics.h>

#include <functional>

namespace samspil::test {

/// Whether any label in the component tree shows text containing `text`.
inline bool showsText(juce::Component& component, const juce::String& text) {
    if (auto* label = dynamic_cast<juce::Label*>(&component); label && label->getText().contains(text)) return true;
    for (auto* child : component.getChildren())
        if (showsText(*child, text)) return true;
    return false;
}

/// The button in the component tree whose text is `text`.
inline juce::Button* buttonNamed(juce::Component& component, const juce::String& text) {
    if (auto* button = dynamic_cast<juce::Button*>(&component); button && button->getButtonText() == text) return button;
    for (auto* child : component.getChildren())
        if (auto* found = buttonNamed(*child, text)) return found;
    return nullptr;
}

/// The first component of type T in the tree (that `matches`, when given).
template <typename T>
T* findComponent(juce::Component& component, const std::function<bool(T&)>& matches = {}) {
    if (auto* found = dynamic_cast<T*>(&component); found && (!matches || matches(*found))) return found;
    for (auto* child : component.getChildren())
        if (auto* found = findComponent<T>(*child, matches)) return found;
    return nullptr;
}

}  // namespace samspil::test
