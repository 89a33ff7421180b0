package dev.siskin.model.load;

/** A model file that cannot be served; the message is one line that tells the operator what to do. */
public final class ModelLoadException extends Exception {
    public ModelLoadException(String message) {
        super(message);
    }

    public ModelLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
