package dev.siskin.model.config;

/** A setting with a value the server cannot use; the message names the setting, the value and what is expected. */
public final class SettingsException extends Exception {
    public SettingsException(String message) {
        super(message);
    }
}
